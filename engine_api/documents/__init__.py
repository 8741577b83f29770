"""The unit of work's recorder, the document per entity, and the change log.

Every session of a :class:`~engine_api.db.Database` carries the recorder: whatever a transaction
changes (ORM objects, ORM bulk statements, rows the database cascades) is seen at the unit-of-work
level, and before the transaction commits each touched entity's document is rendered again. When
it differs from the stored one, the new document is stored and a change record (revision, kind,
document, RFC 6902 patch) is appended to the log, in the same transaction. A guard on the database
engine refuses any write to an API table that does not pass the recorder.
"""
