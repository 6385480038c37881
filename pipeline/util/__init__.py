"""Infrastructure every stage leans on, with no knowledge of Chinese writing: atomic files (files), worker
processes (forking), the parse cache (parsecache), SQLite files shared by processes (sqlite), the run's lock and last-run digest (runstate), the matching
view of a text (textnorm) and the command line's own words (typer_words).
Takes paths, bytes and text; gives them back written, cached, locked or normalised."""
