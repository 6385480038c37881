"""The depth levels of topic coverage (shared/eval/README.md), in the secretaries' words."""

LEVEL_NAMES = {0: "未涉及", 1: "提及", 2: "阐述", 3: "学用结合"}
