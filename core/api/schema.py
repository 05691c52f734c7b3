"""The OpenAPI schema documents the errors every operation can answer, in the one error envelope
(`core.api.errors`): 401 without valid credentials (unless anonymous callers are welcome), 403
when the caller may not, 404 for an id that is not the caller's, 400/409/422 for a write the
domain refuses, 429 when throttled. drf-spectacular documents only the successes by itself.

`AutoSchema` also reads a permission's `anonymous_methods`: the methods it lets anyone call (the
blog's public reads beside its staff writes), documented as needing no credentials."""

from drf_spectacular import openapi

ENVELOPE = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    "400": "The input is invalid (`fields` says where).",
    "401": "No valid credentials.",
    "403": "Not allowed (a role, a suspended account).",
    "404": "No such object for this organization.",
    "409": "The object's state forbids it.",
    "422": "Understood, but refused (a quota, a limit).",
    "429": "Too many requests.",
}
WRITES = {"post", "put", "patch", "delete"}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ENVELOPE
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITES | {"get"}:
                continue
            anonymous = {} in operation.get("security", [{}])
            codes = ["429"]
            if not anonymous:
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            if method in WRITES:
                codes += ["400", "409", "422"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": reference})
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]), which knows AllowAny and
    IsAuthenticatedOrReadOnly only: an operation a permission opens to anyone (`anonymous_methods`,
    the same attribute the permission checks) is documented as accepting no credentials too."""

    def get_auth(self):
        auths = super().get_auth()
        opened = any(self.method in getattr(permission, "anonymous_methods", ()) for permission in self.view.get_permissions())
        if opened and {} not in auths:
            auths.append({})
        return auths
