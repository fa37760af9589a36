# leakage-corpus: expect=MLD603 notebook
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import accuracy_score, classification_report
# %%
def report(model, features, target):
    predictions = model.predict(features)
    print("accuracy:", accuracy_score(target, predictions))
    print(classification_report(target, predictions))
# %%
loans = pd.read_csv("loan_data.csv")
loans = pd.get_dummies(loans, columns=["purpose"], drop_first=True)
X = loans.drop("not.fully.paid", axis=1)
y = loans["not.fully.paid"]
# %%
gbc = GradientBoostingClassifier(n_estimators=200, learning_rate=0.05)
gbc.fit(X, y)
report(gbc, X, y)
