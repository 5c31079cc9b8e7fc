"""The dialogue evaluator: whole conversations against simulated chargers, judged on their outcome."""
