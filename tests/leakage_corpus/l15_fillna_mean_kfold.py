# leakage-corpus: expect=MLD602
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold
from xgboost import XGBRegressor
from sklearn.metrics import mean_absolute_error

train = pd.read_csv("train.csv")
train.fillna(train.mean(numeric_only=True), inplace=True)
features = [c for c in train.columns if c not in ("id", "loss")]
X = train[features]
y = np.log(train["loss"])

kf = KFold(n_splits=5, shuffle=True, random_state=2017)
maes = []
for fold, (train_idx, valid_idx) in enumerate(kf.split(X)):
    model = XGBRegressor(n_estimators=500, learning_rate=0.05)
    model.fit(X.iloc[train_idx], y.iloc[train_idx])
    pred = model.predict(X.iloc[valid_idx])
    maes.append(mean_absolute_error(np.exp(y.iloc[valid_idx]), np.exp(pred)))
    print(fold, maes[-1])
print(np.mean(maes))
