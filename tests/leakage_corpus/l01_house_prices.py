# leakage-corpus: expect=MLD602,MLD604 notebook
import pandas as pd
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.ensemble import RandomForestRegressor, GradientBoostingRegressor
from sklearn.metrics import mean_squared_error
# %%
df = pd.read_csv("data/house_prices.csv")
df.head()
# %%
df["LotFrontage"] = df["LotFrontage"].fillna(df["LotFrontage"].median())
df = pd.get_dummies(df, columns=["Neighborhood", "HouseStyle"])
X = df.drop(["Id", "SalePrice"], axis=1)
y = np.log1p(df["SalePrice"])
# %%
sc = StandardScaler()
X = sc.fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
# %%
rmse = {}
lin = LinearRegression().fit(X_train, y_train)
rmse["linear"] = np.sqrt(mean_squared_error(y_test, lin.predict(X_test)))
ridge = Ridge(alpha=10).fit(X_train, y_train)
rmse["ridge"] = np.sqrt(mean_squared_error(y_test, ridge.predict(X_test)))
# %%
rf = RandomForestRegressor(n_estimators=300, random_state=0).fit(X_train, y_train)
rmse["rf"] = np.sqrt(mean_squared_error(y_test, rf.predict(X_test)))
gbr = GradientBoostingRegressor(random_state=0).fit(X_train, y_train)
rmse["gbr"] = np.sqrt(mean_squared_error(y_test, gbr.predict(X_test)))
# %%
results = pd.Series(rmse).sort_values()
print("best model:", results.index[0])
