# leakage-corpus: expect=none notebook
import numpy as np
import pandas as pd
from sklearn.model_selection import cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.impute import KNNImputer
from sklearn.preprocessing import StandardScaler
from sklearn.ensemble import RandomForestClassifier
# %%
heart = pd.read_csv("heart_failure.csv")
X, y = heart.drop(columns="DEATH_EVENT"), heart["DEATH_EVENT"]
pipe = make_pipeline(KNNImputer(), StandardScaler(), RandomForestClassifier(n_estimators=300))
cv = cross_validate(pipe, X, y, cv=5, scoring=["roc_auc", "accuracy"])
print({k: v.mean() for k, v in cv.items()})
# %%
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
test_scores = []
for seed in range(10):
    rf = make_pipeline(KNNImputer(), RandomForestClassifier(n_estimators=300, random_state=seed))
    rf.fit(X_train, y_train)
    test_scores.append(rf.score(X_test, y_test))
print("test accuracy over seeds: %.3f +/- %.3f" % (np.mean(test_scores), np.std(test_scores)))
