"""The shipped static embedding model, distilled from multilingual-e5-small (pipeline.semantic.distill): package data of pipeline.static_model."""
