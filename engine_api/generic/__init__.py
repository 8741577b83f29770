"""The generic store: every path of the API model that no bespoke behaviour serves.

Its entities are documents only (the ``documents`` table the change log shares), written through
the recorder. :mod:`~engine_api.generic.paths` lays out the paths from the model,
:mod:`~engine_api.generic.values` reads request bodies as the model types them,
:mod:`~engine_api.generic.documents` reads documents and compiles searches, and
:mod:`~engine_api.generic.service` is the service layer the routes call.
"""
