using System.Text.Json;

namespace SegLoop.Storage;

/// <summary>The JSON settings of documents SegLoop stores (camelCase, compact).</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
