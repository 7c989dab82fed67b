from tests.quality.synthesized import synthesized_db, synthesized_store  # noqa: F401
