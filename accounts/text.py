"""Small language-aware text helpers shared by every app."""
from django.utils.translation import pgettext


def join_list(items) -> str:
    """Join names or labels with the separator of the active language: "、" in Chinese, ", " in English."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
