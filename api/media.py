"""The media types of the API's answers (no imports: every module may use them)."""

JSON = "application/json"
# A sparse answer (`fields=`, `render=`): JSON with only the parts asked for. Its own media type, so
# that the spec can describe it with its own schema (every field optional) beside the whole one
# (api/spec.py).
SPARSE_JSON = "application/vnd.lovepatterns.sparse+json"
