# leakage-corpus: expect=MLD602 notebook
import pandas as pd
import category_encoders as ce
from lightgbm import LGBMClassifier
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
# %%
clicks = pd.read_csv("ad_clicks.csv")
enc = ce.TargetEncoder(cols=["site_id", "app_id", "device_model"])
encoded = enc.fit_transform(clicks.drop(columns="click"), clicks["click"])
# %%
X_tr, X_te, y_tr, y_te = train_test_split(encoded, clicks["click"], test_size=0.2, random_state=0)
lgbm = LGBMClassifier(n_estimators=400).fit(X_tr, y_tr)
print(roc_auc_score(y_te, lgbm.predict_proba(X_te)[:, 1]))
