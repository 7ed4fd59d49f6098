"""Our segmenter as a spaCy tokenizer, registered in spaCy's tokenizer registry.

No Chinese spaCy model exists on PyPI and pkuseg needs a download we cannot make, so the
blank `zh` pipeline gets rjieba (with our domain dictionary) as its tokenizer.
"""
from __future__ import annotations

from functools import cache

import spacy
from spacy.tokens import Doc

from . import segment

TOKENIZER_NAME = "govdigest.RJiebaTokenizer.v1"


class RJiebaTokenizer:
    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = [], []
        for token, _start, _end in segment.tokenize(text):
            if token.isspace():
                if spaces:
                    spaces[-1] = True
                continue
            words.append(token)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_rjieba_tokenizer():
    def make(nlp):
        return RJiebaTokenizer(nlp.vocab)

    return make


@cache
def blank_pipeline():
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
