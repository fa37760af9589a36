# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score
# %%
df = pd.read_csv("defects.csv")
X, y = df.drop(columns="defect"), df["defect"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
# %%
baseline = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
print("baseline:", balanced_accuracy_score(y_test, baseline.predict(X_test)))
forest = RandomForestClassifier(n_estimators=500, random_state=0).fit(X_train, y_train)
print("forest:", balanced_accuracy_score(y_test, forest.predict(X_test)))
