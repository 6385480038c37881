"""The shipped phrase lists (stock phrases, standard formulations): package data of pipeline.phrases, read by pipeline.lexicon."""
