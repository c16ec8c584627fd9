using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SegLoop.Hosting;

/// <summary>Options that bind a configuration section, validate it with DataAnnotations and fail the host at start.</summary>
public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="sectionName"/> and validates it when the host starts.
    /// A bad setting stops the process with an <see cref="OptionsValidationException"/> whose message names the full
    /// configuration key (e.g. <c>Bus:RabbitMq:Port</c>); nested option objects are validated too.
    /// </summary>
    public static OptionsBuilder<TOptions> AddSegLoopOptions<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(sectionName));
        return services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .ValidateOnStart();
    }

    /// <summary>DataAnnotations (and <see cref="IValidatableObject"/>) validation that reports configuration keys, recursing into nested option objects.</summary>
    private sealed class SectionValidator<TOptions>(string sectionName) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var failures = new List<string>();
            Collect(options, sectionName, failures);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static void Collect(object instance, string path, List<string> failures)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
            foreach (var result in results)
            {
                var members = result.MemberNames.Any() ? result.MemberNames : [""];
                foreach (var member in members)
                {
                    var key = member.Length == 0 ? path : $"{path}:{member}";
                    failures.Add($"{key}: {result.ErrorMessage}");
                }
            }

            var assembly = instance.GetType().Assembly;
            foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length != 0 || !property.PropertyType.IsClass ||
                    property.PropertyType == typeof(string) || property.PropertyType.Assembly != assembly)
                    continue;
                if (property.GetValue(instance) is { } nested)
                    Collect(nested, $"{path}:{property.Name}", failures);
            }
        }
    }
}
