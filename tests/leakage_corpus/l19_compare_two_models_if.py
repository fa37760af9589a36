# leakage-corpus: expect=MLD604
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import AdaBoostClassifier
from sklearn.metrics import accuracy_score
import pickle

df = pd.read_csv("employee_attrition.csv")
X = pd.get_dummies(df.drop(columns="Attrition"))
y = df["Attrition"] == "Yes"
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=10)

logit = LogisticRegression(max_iter=3000).fit(X_train, y_train)
ada = AdaBoostClassifier(n_estimators=200).fit(X_train, y_train)
acc_logit = accuracy_score(y_test, logit.predict(X_test))
acc_ada = accuracy_score(y_test, ada.predict(X_test))
chosen = logit if acc_logit >= acc_ada else ada
with open("model.pkl", "wb") as fh:
    pickle.dump(chosen, fh)
