"""The model endpoints of the mock, routed to their modules: chat completions
and the Responses API (chat.py), embeddings (embeddings.py). Each handler
returns a response spec for server.respond() (see server.py's docstring)."""
import json

import agents
import chat
import embeddings


def bad_json(message="Malformed JSON request body"):
    return {"status": 400, "body": {"error_code": "BAD_REQUEST", "message": message}}


def json_object(body):
    """(the request object, None), or (None, the 400 reply) when the body is
    not a JSON object."""
    try:
        req = json.loads(body or b"null")
    except ValueError:
        return None, bad_json()
    if not isinstance(req, dict):
        return None, bad_json("The request body must be a JSON object")
    return req, None


def invocations(state, name, headers, body):
    """POST /serving-endpoints/{name}/invocations: chat, embeddings or an agent."""
    req, refused = json_object(body)
    if refused:
        return refused
    if name in agents.AGENTS:
        return agents.invocations(state, name, req)
    if "input" in req and "messages" not in req:
        return embeddings.invocations(state, name, headers, req)
    return chat.invocations(state, name, headers, req)


def responses(state, headers, body):
    """POST /serving-endpoints/responses: the OpenAI Responses API."""
    req, refused = json_object(body)
    if refused:
        return refused
    return chat.responses(state, headers, req)
