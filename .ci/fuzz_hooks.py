"""schemathesis hooks for .ci/fuzz (loaded through SCHEMATHESIS_HOOKS).

schemathesis has no serializer for application/pdf bodies (attachment uploads): send the
generated value's bytes as they are, so that the upload operation is fuzzed too (anything
that is not a PDF must be refused with a 4xx).
"""

import json

import schemathesis


@schemathesis.serializer("application/pdf")
def pdf_bytes(ctx, value):
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
    else:
        data = json.dumps(value).encode("utf-8")
    return {"data": data}
