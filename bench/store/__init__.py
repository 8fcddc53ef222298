"""The results store, shared by every stage: what bench writes to a results folder and how it
reads it back, checking everything on the way in, since results folders travel between machines.

- ``records``: the typed fold record and run manifest (``FoldRecord``, ``RunManifest``);
- ``results``: the folder on disk (fold files, prediction files, run manifests, atomic writes);
- ``record_fields`` and ``field_rules``: each field a record or manifest holds, checked for type
  and range;
- ``bounded_json`` and ``prediction_checks``: JSON parsed within limits of size and nesting,
  and prediction files checked before any score is computed from them.
"""
