"""Love Patterns content API.

The web layer lives in :mod:`api.app` (``create_app``); this package itself imports nothing,
so that the domain (:mod:`api.content`) and :mod:`search_index` can be used without Flask.
"""
