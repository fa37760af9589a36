# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.preprocessing import LabelEncoder
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.metrics import accuracy_score
# %%
mush = pd.read_csv("mushrooms.csv")
y = LabelEncoder().fit_transform(mush["class"])
X = pd.get_dummies(mush.drop(columns="class"))
X["n_features_present"] = X.sum(axis=1)
# %%
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=5)
forest = RandomForestClassifier(n_estimators=100, random_state=5)
forest.fit(X_train, y_train)
print("train acc", accuracy_score(y_train, forest.predict(X_train)))
print("test acc", accuracy_score(y_test, forest.predict(X_test)))
