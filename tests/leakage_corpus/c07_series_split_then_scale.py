# leakage-corpus: expect=none
import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error

series = pd.read_csv("daily_load.csv", parse_dates=["date"], index_col="date")
for lag in (1, 7, 14):
    series[f"lag_{lag}"] = series["load"].shift(lag)
series = series.dropna()

cutoff = int(len(series) * 0.8)
train = series.iloc[:cutoff]
test = series.iloc[cutoff:]
features = ["lag_1", "lag_7", "lag_14"]

scaler = MinMaxScaler()
train_X = scaler.fit_transform(train[features])
test_X = scaler.transform(test[features])
model = Ridge(alpha=1.0).fit(train_X, train["load"])
print("MAE", mean_absolute_error(test["load"], model.predict(test_X)))
print("naive MAE", mean_absolute_error(test["load"], np.asarray(test["lag_7"])))
