# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
# %%
df = pd.read_csv("bank_marketing.csv")
X, y = pd.get_dummies(df.drop(columns="y")), (df["y"] == "yes").astype(int)
X_temp, X_test, y_temp, y_test = train_test_split(X, y, test_size=0.2, random_state=1, stratify=y)
X_train, X_valid, y_train, y_valid = train_test_split(X_temp, y_temp, test_size=0.25, random_state=1, stratify=y_temp)
# %%
models = [LogisticRegression(max_iter=2000), RandomForestClassifier(random_state=1), GradientBoostingClassifier(random_state=1)]
val_auc = []
for m in models:
    m.fit(X_train, y_train)
    val_auc.append(roc_auc_score(y_valid, m.predict_proba(X_valid)[:, 1]))
best = models[val_auc.index(max(val_auc))]
# %%
print("held-out test AUC:", roc_auc_score(y_test, best.predict_proba(X_test)[:, 1]))
