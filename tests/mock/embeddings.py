"""Embeddings for the mock (see serving.py)."""


def invocations(state, name, headers, req):
    return {"status": 501, "body": {"error_code": "NOT_IMPLEMENTED", "message": "embeddings: to do"}}
