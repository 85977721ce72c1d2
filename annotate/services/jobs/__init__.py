"""Background jobs: long work (imports, exports, dossiers) off the request path.

A view or command records a :class:`~annotate.models.Job` (:func:`.queue.submit`), commits,
then hands it to the configured runner (:func:`.runners.dispatch`): an RQ worker, a
background thread of the demo server, or inline in the tests. :func:`.queue.run_job` runs
it once, reports progress, stores its result file and its error.
"""
