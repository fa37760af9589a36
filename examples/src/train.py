"""Train the churn classifier."""
import logging

import joblib
import pandas as pd
import yaml
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

logging.basicConfig(level=logging.DEBUG, filename="train.log")

with open("params.yaml") as f:
    params = yaml.safe_load(f)

features = pd.read_parquet(params["paths"]["features"])
X = features.drop(columns=["churned", "customer_id"])
y = features["churned"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=params["train"]["test_size"], random_state=7
)

# TODO: tune these properly once we have a validation set
model = RandomForestClassifier(n_estimators=500, max_depth=8, min_samples_leaf=3, random_state=7)
model.fit(X_train, y_train)
print("test accuracy", model.score(X_test, y_test))
print("learning rate", params["train"]["learning_rate"])

joblib.dump(model, params["paths"]["model"])
