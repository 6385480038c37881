"""xuexi: reads a theory-study group's quarterly submissions and shows, with evidence, which required topics each
member engaged with and how deeply, which passages were copied, and which text is boilerplate."""

__version__ = "0.1.0"
