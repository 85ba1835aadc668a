"""Love Patterns content API.

The web layer lives in :mod:`api.app` (``create_app``); this package itself imports nothing,
so that the domain (:mod:`api.content`) and :mod:`search_index` can be used without Flask.
"""

import os

# One BLAS thread per process: the server's parallelism is its workers, and OpenBLAS's own threads
# (one per core by default) fought them. Measured on a loaded 2-core machine: a sentence encoding
# (api/semantic.py) took 0.2-0.4 s of CPU with them, 0.04 s without. Only effective when set before
# numpy is first imported, which importing `api` first does; an operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
