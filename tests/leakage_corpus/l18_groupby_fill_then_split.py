# leakage-corpus: expect=MLD602
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestRegressor

df = pd.read_csv("used_cars.csv")
df["mileage"] = df.groupby("model")["mileage"].transform(lambda s: s.fillna(s.median()))
df["engine"] = df["engine"].fillna(df["engine"].mode()[0])
X = pd.get_dummies(df.drop(columns=["price"]), drop_first=True)
y = df["price"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=4)
rf = RandomForestRegressor(random_state=4).fit(X_train, y_train)
print("R2 test", rf.score(X_test, y_test))
