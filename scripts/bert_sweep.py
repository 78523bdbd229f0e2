"""The tiny BERT of chapter 10, measured more thoroughly than the notebook has time for.

Run from the repository root (one thread; it took 551 s on a busy 2-core machine):

    .venv/bin/python scripts/bert_sweep.py

On the course corpus (one sentence per line, every 8th line held out), with the notebook's
settings (``dlcore.attention_torch.BERT_SETTINGS``), it

1. pre-trains the encoder (masked words + next sentence) from PRETRAIN_SEEDS and measures
   each on the held-out lines: masked-word accuracy against "always the" and a left bigram,
   and next-sentence accuracy;
2. repeats that without the relative-position term (R = 0), and with LONG_STEPS steps, to see
   whether next-sentence prediction becomes learnable with more training;
3. fine-tunes on the two labelled tasks of the notebook (word roles, and "is the sentence
   about the cat") with N_LABELLED labelled sentences, from the pre-trained weights and from
   scratch, once per fine-tuning seed, and records the accuracies.

It writes ``dlcore/bert_sweep.json``; notebook 10 draws its pre-training vs fine-tuning figure
from it and trains one encoder live. ``--quick`` runs a tiny version and writes nothing.
"""

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from dlcore import attention_torch as AT
from dlcore.corpus import CORPUS

OUT = Path(__file__).resolve().parents[1] / "dlcore" / "bert_sweep.json"
PRETRAIN_SEEDS = [0, 1, 2]
LONG_STEPS = 3000
N_LABELLED = {"token": [2, 4, 8, 16, 32], "sentence": [2, 4, 8, 16]}
FINETUNE_SEEDS = list(range(6))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run, no file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    S, held, train, vocab, cfg = AT.bert_data(CORPUS)
    settings = dict(AT.BERT_SETTINGS)
    pre_seeds, ft_seeds, long_steps, counts = PRETRAIN_SEEDS, FINETUNE_SEEDS, LONG_STEPS, N_LABELLED
    if args.quick:
        settings["steps"], long_steps = 20, 30
        pre_seeds, ft_seeds = [0], [0]
        counts = {"token": [2], "sentence": [2]}

    def run(c, steps, seed):
        torch.manual_seed(seed)
        model = AT.TinyBERT(c)
        log = AT.pretrain(model, vocab, S, train, **{**settings, "steps": steps}, seed=seed,
                          progress=False)
        m = AT.mlm_heldout(model, vocab, S, held, train)
        out = {"seed": seed, "steps": steps, "mlm": round(m["bert"], 4),
               "the": round(m["the"], 4), "bigram": round(m["bigram"], 4), "n_words": m["n"],
               "nsp_heldout": round(AT.nsp_heldout(model, vocab, S, held), 4),
               "nsp_train_batches": round(float(log["nsp_acc"][-100:].mean()), 4),
               "mlm_loss_end": round(float(log["mlm"][-50:].mean()), 4)}
        print(out, flush=True)
        return model, out

    pre, states = [], {}
    for seed in pre_seeds:
        model, out = run(cfg, settings["steps"], seed)
        pre.append(out)
        states[seed] = {k: v.clone() for k, v in model.state_dict().items()}
    no_rel = [run(replace(cfg, R=0), settings["steps"], seed)[1] for seed in pre_seeds]
    long = [run(cfg, long_steps, pre_seeds[0])[1]]

    cat = AT.about_the_cat(S)
    finetuning = {}
    for task, labels in (("token", None), ("sentence", cat)):
        rows = []
        for n in counts[task]:
            for seed in ft_seeds:
                start = states[pre_seeds[seed % len(pre_seeds)]]
                acc_pre, majority = AT.finetune_trial(cfg, vocab, S, labels, n, seed, start,
                                                      task=task)
                acc_scratch, _ = AT.finetune_trial(cfg, vocab, S, labels, n, seed, None,
                                                   task=task)
                rows.append({"n_labelled": n, "seed": seed, "pretrained": round(acc_pre, 4),
                             "scratch": round(acc_scratch, 4), "majority": round(majority, 4)})
            last = rows[-len(ft_seeds):]
            print(task, n, {k: round(float(np.mean([r[k] for r in last])), 3)
                            for k in ("pretrained", "scratch", "majority")}, flush=True)
        finetuning[task] = rows
    result = {
        "produced_by": "scripts/bert_sweep.py",
        "command": ".venv/bin/python scripts/bert_sweep.py",
        "data": "dlcore.corpus.CORPUS, one sentence per line; lines 7, 15, ... (every 8th) held "
                "out of pre-training; vocabulary: training words seen >= 2 times",
        "config": asdict(cfg),
        "pretrain_settings": settings,
        "pretrain": pre,
        "pretrain_without_relative_positions": no_rel,
        "pretrain_long": long,
        "finetune_settings": {"steps": 150, "lr": 1e-3, "seeds": ft_seeds,
                              "pretrained_from_seed": "pretrain seed = fine-tune seed mod "
                                                      f"{len(pre_seeds)}"},
        "finetuning": finetuning,
        "seconds": round(time.time() - t0, 1),
    }
    if args.quick:
        print(json.dumps(result)[:400])
        return
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUT} in {result['seconds']} s")


if __name__ == "__main__":
    main()
