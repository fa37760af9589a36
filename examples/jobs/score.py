"""Nightly batch scoring of the customer base."""
import logging
import os

import joblib
import pandas as pd

logging.basicConfig(level=logging.WARNING)

customers = pd.read_csv("s3://acme-data/customers/latest/customers.csv")
model = joblib.load("models/churn.joblib")
scores = model.predict_proba(customers.drop(columns=["customer_id"]))[:, 1]
customers["churn_risk"] = scores
customers["will_churn"] = scores > 0.5
customers.to_csv("data/predictions.csv", index=False)

if False:
    customers.to_csv(os.environ["EXPORT_BUCKET"] + "/predictions.csv")
