// Every ModelRun has a unique, stable id.
CREATE CONSTRAINT model_run_id IF NOT EXISTS FOR (n:ModelRun) REQUIRE n.id IS UNIQUE
