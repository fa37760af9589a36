"""Refresh everything: score, then re-run the retraining notebook."""
import subprocess

import papermill

subprocess.run(["python", "jobs/score.py"], check=True)
papermill.execute_notebook("notebooks/retrain.ipynb", "notebooks/retrain.out.ipynb")
