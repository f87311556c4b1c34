#!/usr/bin/env python3
"""Deterministic synthetic rationales for the generalisation benchmark (no teacher model is reachable offline).

For every training post and each of its gold keyphrases, in order, one clause names the words of the post that lead
to the keyphrase:
  * a keyphrase written in the post (all its words occur, lower-cased) -> '"k" is written in the post.'
  * otherwise -> '"w1" and "w2" point to "k".' where w1, w2 are the post's words (alphabetic, >= 3 letters, not a
    stop word) with the highest association with k over the training split, P(k | w) = n(w, k) / n(w), ties broken
    by rarer word then alphabetically; with no such word: '"k" is the topic of the post.'
The answer itself is not repeated: the trainer appends the keyphrases after the rationale.
Usage: synthetic_rationales.py TRAIN.jsonl OUT.jsonl
"""
import json
import re
import sys
from collections import Counter, defaultdict

STOP = set("""a an the and or but if then so to of in on at by for with from as is are was were be been being this
that these those it its it's i me my we our you your he she they them his her their not no yes do does did done have
has had will would can could should just very too all any some more most much many than into out up down over about
after before again here there when where why how what who whom which while also only own same such get got go going
one two new day today tomorrow time""".split())


def words(text):
    return [w for w in re.findall(r"[a-z]+", text.lower())]


def content_words(text):
    return sorted({w for w in words(text) if len(w) >= 3 and w not in STOP})


def main(src, dst):
    posts = [json.loads(line) for line in open(src, encoding="utf-8") if line.strip()]
    word_count = Counter()
    pair_count = defaultdict(Counter)
    for p in posts:
        ws = content_words(p["text"])
        word_count.update(ws)
        for k in {k.lower() for k in p["keyphrases"]}:
            for w in ws:
                pair_count[k][w] += 1
    with open(dst, "w", encoding="utf-8") as out:
        for p in posts:
            text_words = set(words(p["text"]))
            ws = content_words(p["text"])
            clauses = []
            for k in p["keyphrases"]:
                kl = k.lower()
                kws = words(kl)
                if kws and all(w in text_words for w in kws):
                    clauses.append(f'"{k}" is written in the post.')
                    continue
                ranked = sorted(ws, key=lambda w: (-pair_count[kl][w] / word_count[w], word_count[w], w))
                cues = [w for w in ranked if pair_count[kl][w] > 0][:2]
                if cues:
                    clauses.append(" and ".join(f'"{w}"' for w in cues) + f' point{"s" if len(cues) == 1 else ""} to "{k}".')
                else:
                    clauses.append(f'"{k}" is the topic of the post.')
            p["rationale"] = " ".join(clauses)
            out.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(posts)} posts with synthetic rationales to {dst}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
