"""Chat completions and the Responses API for the mock (see serving.py)."""


def invocations(state, name, headers, req):
    return {"status": 501, "body": {"error_code": "NOT_IMPLEMENTED", "message": "chat: to do"}}


def responses(state, headers, req):
    return {"status": 501, "body": {"error_code": "NOT_IMPLEMENTED", "message": "responses: to do"}}
