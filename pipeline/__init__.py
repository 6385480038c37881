"""xuexi: reads a theory-study group's quarterly submissions and shows, with evidence, which required topics each
member engaged with and how deeply, which passages were copied, and which text is boilerplate.

Takes a batch folder (topics.yaml, submissions/, references/, prior/); gives results.json, the reports and the
archive. docs/architecture.md follows one document through the stages."""

__version__ = "0.1.0"
