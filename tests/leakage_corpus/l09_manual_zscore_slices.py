# leakage-corpus: expect=MLD602
import numpy as np
import pandas as pd
from sklearn.svm import SVR
from sklearn.metrics import mean_squared_error

df = pd.read_csv("data/concrete.csv")
target = df.pop("strength")
df_norm = (df - df.mean()) / df.std()

n_train = int(0.8 * len(df_norm))
train_x = df_norm[:n_train]
test_x = df_norm[n_train:]
train_y = target[:n_train]
test_y = target[n_train:]

svr = SVR(C=10.0)
svr.fit(train_x, train_y)
print("RMSE", np.sqrt(mean_squared_error(test_y, svr.predict(test_x))))
