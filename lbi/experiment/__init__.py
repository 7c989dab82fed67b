"""Ablations (`lbi experiment`): the paper's variants evaluated side by side on one held-out task set.

Design. A variant is a corpus (what the agent retrieves from) and a retrieval
setting (lbi.experiment.variants); running one is an evaluation
(lbi.evaluation.evaluate) of the task set with that corpus. No variant
re-runs the synthesis of the environment's dataset; most are a selection of
what is already stored:

- full: the examples the committee accepted (``examples.status``);
- without the committee: every relabeled example, before the filter;
- strict / majority / relaxed: the verdicts of every judge decided again
  under each policy. The synthesis asks a judge only while its answer can
  still change the decision, so the experiment first asks the judges a
  decided example lacks (lbi.experiment.missing_verdicts: the committee's
  own poll and request, cached and in the ledger under the experiment's run,
  verdicts stored like the synthesis's); decisions stay as they were;
- without backward construction: each self-instructed task with the whole
  clean trajectory rolled out for it (the original pair, not relabeled),
  kept when the committee accepts it. The pairs are judged as examples are
  (lbi.method.algorithm1.committee_accepts: the same judges, policy and
  asking, through the experiment's client), so this variant differs from
  full by the relabeling alone, and no-committee shows the filter's effect.
  The pairs are not examples: their verdicts are not stored, only the
  accepted pairs (in the variant's corpus) and the calls (cached);
- retrieval off / observation-only / model-only / both: the full corpus
  with m2 = 0, m1 = 0, or both; off is the baseline agent;
- RAG baseline: the environment's documentation chunks, embedded, retrieved
  m1 + m2 per step by the task and the current observation (no query call).

Only "without documentation" makes new examples: the actor explores the
environment in one episode, self-instruct reads that exploration in place of
a documentation chunk, and lbi.method.algorithm1 does the rest without
storing anything in the dataset tables (lbi.experiment.without_documents).

Budget. ``max_llm_calls`` caps the whole experiment: its own calls (missing
verdicts, the committee on original pairs, the no-documents synthesis) and
every evaluation's. A spent budget ends the experiment with status
budget_exhausted and a one-line message; the rows of the variants done stay
stored, as do the verdicts asked and the calls made (a rerun gets them from
the cache at no cost).

Every corpus is stored apart from the dataset, in lbi.corpus_items (migration
0011), and searched by lbi.retrieval.corpus the way the environment's
retrieval searches its examples; so no example an experiment makes reaches
the dataset, its exports or the environment's retrieval (the verdicts it
asks for are the dataset's own, like any other), and every variant,
full included, is searched by the same code. Corpora with the same items are
stored once, and a (corpus, retrieval) pair is evaluated once: full and
retrieval-both share one evaluation, and so does strict when it keeps what
full keeps.

The table (lbi.experiment_variants, read through the lbi.experiment_table
view) has, per variant: examples kept (items in its corpus), success rate,
model calls and tokens per task at evaluation, retrieval hits per task, and
the evaluation's id (its per-task results are in lbi.evaluation_results).
With the offline model the figures only show that the machinery runs; with
a real model they are the paper's comparisons.
"""
