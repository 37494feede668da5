"""Keyword rules for a deployment with no history yet, built from the category names alone.

A category named "路灯照明" or a path like "城乡建设/市政管理/路灯" yields keywords from each part
of its name and from the jieba words of each part ("路灯", "照明"), minus words that say nothing
about the subject (管理, 问题, 其他 …). A message scores the summed length of the keywords it
contains per category. These suggestions are not calibrated probabilities, so they are never
used for automatic dispatch.
"""

import re

from .classifier import Suggestion
from .text import jieba_tokenizer, normalize

_SEPARATORS = re.compile(r"[/\\>|、,，;；·\-—\s]+")
# fmt: off
_GENERIC = frozenset({
    "管理", "问题", "其他", "其它", "服务", "相关", "事项", "工作", "建设", "方面", "类", "综合", "一般",
    "投诉", "咨询", "建议", "求助", "反映", "城市", "城乡",
})
# fmt: on


class KeywordClassifier:
    threshold = None  # never auto-dispatch on keyword rules

    def __init__(self, categories: list[str] | dict[str, list[str]]):
        """`categories`: names, or names mapped to extra keywords an administrator added."""
        extra = categories if isinstance(categories, dict) else dict.fromkeys(categories, [])
        self.keywords: dict[str, set[str]] = {}
        for name, added in extra.items():
            found: set[str] = set()
            for part in _SEPARATORS.split(normalize(name)):
                if len(part) >= 2 and part not in _GENERIC:
                    found.add(part)
                # Search mode also yields the dictionary words inside a long word (垃圾清运 →
                # 垃圾, 清运), which is what a resident writes.
                found.update(w for w in jieba_tokenizer().lcut_for_search(part) if len(w) >= 2 and w not in _GENERIC)
            found.update(normalize(k) for k in added if normalize(k))
            self.keywords[name] = found

    def suggest(self, text: str, title: str = "", k: int = 3) -> list[Suggestion]:
        """Categories whose keywords occur in the message, by share of the matched keyword
        length (a rough confidence, not a calibrated probability); empty when nothing matches."""
        doc = normalize(f"{title} {text}")
        scores = {}
        for name, keywords in self.keywords.items():
            score = sum(len(kw) for kw in keywords if kw in doc)
            if score:
                scores[name] = score
        total = sum(scores.values())
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [Suggestion(name, score / total) for name, score in ranked]

    def auto_dispatchable(self, suggestion) -> bool:
        return False
