# leakage-corpus: expect=MLD603 notebook
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score, mean_absolute_error
# %%
ads = pd.read_csv("Advertising.csv")
X = ads[["TV", "radio", "newspaper"]]
y = ads["sales"]
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
# %%
lm = LinearRegression()
lm.fit(X, y)
print(lm.intercept_, lm.coef_)
# %%
y_pred = lm.predict(X_test)
print("R2:", r2_score(y_test, y_pred))
print("MAE:", mean_absolute_error(y_test, y_pred))
