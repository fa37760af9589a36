# leakage-corpus: expect=MLD603
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import f1_score

df = pd.read_parquet("data/events.parquet")
X_train, X_holdout, y_train, y_holdout = train_test_split(df.drop(columns="label"), df["label"], random_state=0)
X_test = X_train.sample(n=500, random_state=0)
y_test = y_train.loc[X_test.index]
et = ExtraTreesClassifier(n_estimators=300, random_state=0).fit(X_train, y_train)
print("F1 on test", f1_score(y_test, et.predict(X_test), average="macro"))
