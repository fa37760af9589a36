"""Where the churn project's data lives."""
from pathlib import Path

ROOT = Path(__file__).parent.parent
DATA_DIR = ROOT / "data"
RAW_CUSTOMERS = DATA_DIR / "raw" / "customers.csv"
FEATURES = DATA_DIR / "processed" / "features.parquet"
PREDICTIONS = DATA_DIR / "predictions.csv"
