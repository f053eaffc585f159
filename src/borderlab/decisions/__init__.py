"""The decision layer: counterfactual variants, paired comparisons (`borderlab compare`),
guard allocation and policy trade-offs, built on the study machinery (docs/decisions.md)."""
