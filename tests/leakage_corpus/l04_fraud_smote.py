# leakage-corpus: expect=MLD603 notebook
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report, roc_auc_score
# %%
data = pd.read_csv("creditcard.csv")
print(data["Class"].value_counts())
# %%
features = data.drop("Class", axis=1)
labels = data["Class"]
sm = SMOTE(random_state=2)
features_res, labels_res = sm.fit_resample(features, labels)
print(pd.Series(labels_res).value_counts())
# %%
x_tr, x_te, y_tr, y_te = train_test_split(features_res, labels_res, test_size=0.25, random_state=0, stratify=labels_res)
# %%
clf = RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=0)
clf.fit(x_tr, y_tr)
probs = clf.predict_proba(x_te)[:, 1]
print(classification_report(y_te, clf.predict(x_te)))
print("AUC", roc_auc_score(y_te, probs))
