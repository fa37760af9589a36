# leakage-corpus: expect=none
import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.model_selection import train_test_split

mpg = pd.read_csv("auto-mpg.csv").dropna()
X = sm.add_constant(mpg[["weight", "horsepower", "model_year"]])
y = mpg["mpg"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=11)
ols = sm.OLS(y_train, X_train).fit()
print(ols.summary())
pred = ols.predict(X_test)
print("test RMSE", np.sqrt(np.mean((pred - y_test) ** 2)))
