# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.metrics import classification_report
# %%
adult = pd.read_csv("adult.csv")
numeric = ["age", "hours_per_week", "capital_gain"]
categorical = ["workclass", "education", "occupation"]
X = adult[numeric + categorical]
y = (adult["income"] == ">50K").astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
# %%
preprocess = ColumnTransformer([
    ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
    ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
])
clf = Pipeline([("prep", preprocess), ("model", HistGradientBoostingClassifier(random_state=0))])
clf.fit(X_train, y_train)
# %%
print(classification_report(y_test, clf.predict(X_test)))
