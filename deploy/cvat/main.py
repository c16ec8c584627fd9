# The nuclio handler of deploy/cvat/function.yaml: CVAT's interactor body goes to SegLoop as it is (standard
# library only); SegLoop's status and answer come back as they are.
import base64
import json
import os
import urllib.error
import urllib.request


def init_context(context):
    context.logger.info("SegLoop interactor -> " + os.environ.get("SEGLOOP_URL", "http://segloop-inference"))


def handler(context, event):
    body = event.body if isinstance(event.body, (bytes, bytearray)) else json.dumps(event.body).encode()
    request = urllib.request.Request(os.environ.get("SEGLOOP_URL", "http://segloop-inference").rstrip("/") + "/cvat/interactor",
                                     data=body, headers={"Content-Type": "application/json"}, method="POST")
    user, password = os.environ.get("SEGLOOP_USER"), os.environ.get("SEGLOOP_PASSWORD")
    if user and password:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=25) as response:
            return context.Response(body=response.read(), headers={}, content_type="application/json", status_code=response.status)
    except urllib.error.HTTPError as error:
        return context.Response(body=error.read(), headers={}, content_type="application/json", status_code=error.code)
