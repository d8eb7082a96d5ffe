"""schemathesis hooks for .ci/fuzz (loaded through SCHEMATHESIS_HOOKS): PDF bodies, and
control characters mixed into generated text.

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


# Hostile characters. Generated text rarely carries a NUL or another control character;
# PostgreSQL refuses NUL in text, so every operation must answer such input with a 4xx
# (the input guard), never a 500. These maps put one into about a third of the generated
# strings, deterministically (so that Hypothesis can replay and shrink).
HOSTILE = ["\x00", "\x1b", "\x07"]


def _spoil(value):
    if isinstance(value, str):
        n = len(value)
        if n % 3 == 1:
            return value[: n // 2] + HOSTILE[(n // 3) % len(HOSTILE)] + value[n // 2 :]
        return value
    if isinstance(value, list):
        return [_spoil(v) for v in value]
    if isinstance(value, dict):
        return {k: _spoil(v) for k, v in value.items()}
    return value


@schemathesis.hook
def map_body(ctx, body):
    return _spoil(body)


@schemathesis.hook
def map_query(ctx, query):
    return _spoil(query)


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    return _spoil(path_parameters)
