# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import Lasso
from sklearn.metrics import mean_absolute_error
# %%
bikes = pd.read_csv("bike_sharing.csv")
bikes["hour_sin"] = (bikes["hour"] / 24.0).apply(lambda h: __import__("math").sin(2 * 3.14159 * h))
train_df, test_df = train_test_split(bikes, test_size=0.2, shuffle=False)
# %%
num = ["temp", "humidity", "windspeed"]
means, stds = train_df[num].mean(), train_df[num].std()
train_df[num] = (train_df[num] - means) / stds
test_df[num] = (test_df[num] - means) / stds
train_df["humidity"] = train_df["humidity"].fillna(train_df["humidity"].median())
# %%
lasso = Lasso(alpha=0.01).fit(train_df[num + ["hour_sin"]], train_df["count"])
print(mean_absolute_error(test_df["count"], lasso.predict(test_df[num + ["hour_sin"]])))
