"""The errors xuexi reports to a secretary. Each message names the file, the cause and the fix, in one line."""


class XuexiError(Exception):
    """Base of every error xuexi reports per file or per batch instead of crashing."""


class UnsupportedFormatError(XuexiError):
    """The file is of a kind xuexi does not read (or needs a tool that is not installed)."""


class ExtractionError(XuexiError):
    """The file is of a known kind but no usable text came out of it (damaged, encrypted, scanned, empty)."""


class ConfigError(XuexiError):
    """topics.yaml, manifest.csv or the batch folder is not usable; the message carries the line number."""


def printable(text: str) -> str:
    """A file name or reason as one safe line: control characters (a newline in a file name) shown escaped, so
    that no name can forge a line of the screen output or of a report."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
