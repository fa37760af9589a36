"""Build model features from the raw customer export."""
import logging

import pandas as pd

from src.paths import FEATURES, RAW_CUSTOMERS

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
log = logging.getLogger(__name__)


def main():
    customers = pd.read_csv(RAW_CUSTOMERS)
    customers["total_charges"] = customers["total_charges"].fillna(0)
    customers["contract"] = customers["contract"].astype("category").cat.codes
    customers.to_parquet(FEATURES)
    log.info("wrote %d rows", len(customers))


if __name__ == "__main__":
    main()
