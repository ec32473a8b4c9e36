"""Chinese text for the search index: jieba's words with real spaces, and the pieces a browser may cut them into.

Pagefind segments Chinese only on pages whose `<html lang>` is Chinese, and ours are English, so the search
documents carry the Chinese pre-split by jieba with real spaces (a search-only copy; the pages are unchanged).
"""

from __future__ import annotations

import re

CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")


def _jieba() -> object:
    import jieba

    jieba.setLogLevel(60)  # no "Building prefix dict" chatter in the build log
    return jieba


def split_chinese(text: str) -> str:
    """`text` with every run of Chinese characters replaced by its jieba words, separated by real spaces.

    >>> split_chinese("FLOPs降低69%")
    'FLOPs 降低 69%'
    """
    if not CJK_RUN.search(text):
        return text
    jieba = _jieba()

    def words(match: re.Match[str]) -> str:
        return " " + " ".join(w for w in jieba.cut(match.group(0)) if w.strip()) + " "  # type: ignore[attr-defined]

    # Pagefind does not split words at Chinese punctuation: "。Ghost" would be indexed as one word.
    text = CJK_PUNCTUATION.sub(lambda m: f" {m.group(0)} ", CJK_RUN.sub(words, text))
    return re.sub(r"\s{2,}", " ", text).strip()


def word_pieces(text: str) -> list[str]:
    """Every proper prefix and suffix of the Chinese words jieba finds in `text` that is not itself one of those
    words (南开大学 -> 南 南开 南开大 开大学 大学 学), in order of first appearance.

    The browser's segmenter often cuts a phrase finer than jieba does (模块 -> 模|块, 倒残差 -> 倒|残|差, 南开大学 ->
    南开|大学). Pagefind finds a query word as an indexed word, or as the beginning of one, but the latter only
    within the index chunk the query word sorts into: where a chunk ends between 模 and 模块, a page with 模块 is
    not found by 模. Indexed as words of their own, the pieces of a finer cut are found in any case.
    """
    jieba = _jieba()
    words = [word for run in CJK_RUN.findall(text) for word in jieba.cut(run)]  # type: ignore[attr-defined]
    own = set(words)
    pieces: dict[str, None] = {}
    for word in words:
        for cut in range(1, len(word)):
            for piece in (word[:cut], word[cut:]):
                if piece not in own:
                    pieces.setdefault(piece, None)
    return list(pieces)
